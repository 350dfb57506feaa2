"""moto's S3 server as a separate process on 127.0.0.1, for the tests.

With ``auth=True`` the server checks every request's signature against the IAM user it creates
(moto's ``reset-auth`` switch turns checking on after the set-up requests), so a wrong key or
secret is refused with HTTP 403 as AWS does, and only the generated ``access_key`` /
``secret_key`` work. (moto's signature check rejects pyarrow's ListObjectsV2 requests even with
the right keys, so tests on that server name single files, never globs.)
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Self

__all__ = ["AWS_CLEAN_ENV", "MotoS3", "clean_aws_env"]

_MOTO_SERVER = Path(__file__).with_name("moto_server.py")

# No credentials, endpoint or region from the environment or ~/.aws, and never the EC2 metadata
# service (169.254.169.254 is not on this machine): every test says what it uses.
AWS_CLEAN_ENV = {
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_CONFIG_FILE": os.devnull,
}


def clean_aws_env(env: dict[str, str]) -> dict[str, str]:
    """``env`` without AWS settings, plus :data:`AWS_CLEAN_ENV`."""
    kept = {k: v for k, v in env.items() if not k.startswith("AWS_")}
    return {**kept, **AWS_CLEAN_ENV}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class MotoS3:
    """``with MotoS3(auth=...) as s3:`` runs the server; ``s3.upload(path, key)`` puts a file in
    ``s3.bucket``."""

    auth: bool = False
    bucket: str = "bucket"
    access_key: str = "testing"
    secret_key: str = "testing"

    def __enter__(self) -> Self:
        try:
            return self._start()
        except BaseException:
            self.__exit__()
            raise

    def _start(self) -> MotoS3:
        port = _free_port()
        self.endpoint = f"http://127.0.0.1:{port}"
        env = clean_aws_env(dict(os.environ))
        self._process = subprocess.Popen(
            # moto.server, with S3's name for one answer's root element (see moto_server.py)
            [sys.executable, str(_MOTO_SERVER), "-H", "127.0.0.1", "-p", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(self.endpoint + "/moto-api/", timeout=1).close()
                break
            except urllib.error.HTTPError:  # it answers
                break
            except OSError:
                if time.monotonic() > deadline or self._process.poll() is not None:
                    raise RuntimeError("moto's S3 server did not start") from None
                time.sleep(0.1)
        if self.auth:
            iam = self._client("iam", "setup", "setup")
            iam.create_user(UserName="profiler")
            key = iam.create_access_key(UserName="profiler")["AccessKey"]
            iam.put_user_policy(
                UserName="profiler",
                PolicyName="everything",
                PolicyDocument=json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
                    }
                ),
            )
            self.access_key, self.secret_key = key["AccessKeyId"], key["SecretAccessKey"]
            request = urllib.request.Request(  # a form content type would hide the body
                self.endpoint + "/moto-api/reset-auth",
                data=b"0",
                method="POST",
                headers={"Content-Type": "text/plain"},
            )
            urllib.request.urlopen(request, timeout=5).close()
        self.s3 = self._client("s3", self.access_key, self.secret_key)
        self.s3.create_bucket(Bucket=self.bucket)
        return self

    def _client(self, service: str, key: str, secret: str):
        import boto3

        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            aws_access_key_id=key,
            aws_secret_access_key=secret,
            region_name="us-east-1",
        )

    def upload(self, path: Path, key: str, public: bool = False) -> str:
        """Put ``path`` at ``key``; ``public``: anyone may read it (anonymous requests too)."""
        extra = {"ACL": "public-read"} if public else None
        self.s3.upload_file(str(path), self.bucket, key, ExtraArgs=extra)
        if public:
            self.s3.put_bucket_acl(Bucket=self.bucket, ACL="public-read")
        return f"s3://{self.bucket}/{key}"

    @property
    def options(self) -> dict[str, str]:
        """Storage options that reach this server with its keys."""
        return {"endpoint_url": self.endpoint, "key": self.access_key, "secret": self.secret_key}

    def __exit__(self, *exc: object) -> None:
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
