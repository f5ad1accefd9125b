"""Schemathesis hooks for Escale's API run (.ci/schemathesis.sh).

Real clients send a fresh Idempotency-Key per distinct request; the generator reuses the same few values for
different bodies, which the server rightly refuses (422, "Idempotency key reused"). A well-formed generated key is
replaced by a fresh one; malformed keys are kept, so their refusal (400) is still tested.
"""
import re
import uuid

import schemathesis

WELL_FORMED = re.compile(r"^[\x21-\x7e]{1,255}$")


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    headers = case.headers or {}
    for name in list(headers):
        if name.lower() == "idempotency-key" and isinstance(headers[name], str) and WELL_FORMED.match(headers[name]):
            headers[name] = str(uuid.uuid4())
