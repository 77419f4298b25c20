from __future__ import annotations
def chunks(chunk):
    yield chunk
