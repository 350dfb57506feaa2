"""Secrets masked in every text: URL credentials, secret query parameters, remembered values."""

from __future__ import annotations

import pytest

from truthound.profiler.redact import is_secret_option, redact, remember_secrets


@pytest.mark.parametrize(
    "url, shown",
    [
        ("s3://AKIAKEY:se%2Fcret@bucket/x.parquet", "s3://***@bucket/x.parquet"),
        ("https://user:pa55word@host:8443/a.csv", "https://***@host:8443/a.csv"),
        ("https://token@host/a.csv", "https://***@host/a.csv"),
        (
            "https://host/a.csv?X-Amz-Signature=abc123&part=2&X-Amz-Credential=AK/x",
            "https://host/a.csv?X-Amz-Signature=***&part=2&X-Amz-Credential=***",
        ),
        ("s3://bucket/x.parquet", "s3://bucket/x.parquet"),
        ("/local/path@2024/x.csv", "/local/path@2024/x.csv"),
    ],
)
def test_urls(url, shown):
    assert redact(url) == shown


def test_urls_inside_messages():
    message = "cannot open 's3://K:S@b/x' and 'gs://b/y': failed"
    assert redact(message) == "cannot open 's3://***@b/x' and 'gs://b/y': failed"


def test_remembered_secret_values_are_masked_anywhere():
    remember_secrets({"secret": "Sup3rSecretValue", "endpoint_url": "http://h:9000", "key": "AK1"})
    text = "engine said: bad signature for Sup3rSecretValue at http://h:9000 by AK1"
    assert redact(text) == "engine said: bad signature for *** at http://h:9000 by ***"
    remember_secrets({"headers": {"Authorization": "Bearer tok-998877"}})
    assert redact("sent Bearer tok-998877") == "sent ***"


@pytest.mark.parametrize(
    "name",
    ["secret", "aws_secret_access_key", "key", "access_key", "token", "session_token", "password",
     "account_key", "sas_token", "client_secret", "Authorization", "X-Api-Key", "credentials"],
)  # fmt: skip
def test_secret_option_names(name):
    assert is_secret_option(name)


@pytest.mark.parametrize(
    "name", ["endpoint_url", "region", "anon", "profile", "project", "connect_timeout", "user"]
)
def test_plain_option_names(name):
    assert not is_secret_option(name)
