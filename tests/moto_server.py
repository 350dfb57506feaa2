"""``python moto_server.py ARGS``: moto's server (``python -m moto.server ARGS``) with one answer
made as S3 makes it.

moto 5 names the root element of its CompleteMultipartUpload answer
``CompleteMultipartUploadResponse``; S3 names it ``CompleteMultipartUploadResult`` (the API
reference's example). The AWS C++ SDK in pyarrow 26 treats a 200 answer without that element as an
error embedded in a 200 response (S3 may send one), so every pyarrow write to moto "fails" after
the object was stored. Renaming the element in moto's answer lets tests write through pyarrow.fs
as they would to S3.
"""

from __future__ import annotations

import sys

from moto.core import serialize
from moto.server import main

_original = serialize.S3Serializer._serialized_result_to_response


def _as_s3_answers(self, resp, result, shape, serialized_result):
    resp = _original(self, resp, result, shape, serialized_result)
    if self.operation_model.name == "CompleteMultipartUpload" and isinstance(
        resp.get("body"), str
    ):
        resp["body"] = resp["body"].replace(
            "CompleteMultipartUploadResponse", "CompleteMultipartUploadResult"
        )
    return resp


serialize.S3Serializer._serialized_result_to_response = _as_s3_answers

if __name__ == "__main__":
    main(sys.argv[1:])
