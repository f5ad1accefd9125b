"""What every end-to-end driver (.ci/mail/e2e.py, .ci/integrations/e2e.py) needs: the running server's address, state
kept between steps (E2E_STATE, JSON), the admin's API calls, bounded waits, and a failure that says what was not so.
Each driver sets NAME for its messages."""
import json
import os
import sys
import time

import requests

BASE = os.environ["E2E_URL"]
STATE = os.environ["E2E_STATE"]
NAME = "e2e"


def load():
    return json.load(open(STATE)) if os.path.exists(STATE) else {}


def save(s):
    json.dump(s, open(STATE, "w"))


def fail(msg):
    print("%s: FAILED: %s" % (NAME, msg), file=sys.stderr)
    sys.exit(1)


def api(method, path, token, **kw):
    r = requests.request(method, BASE + path, headers={"Authorization": "Bearer " + token}, timeout=30, **kw)
    if r.status_code >= 400:
        fail("%s %s: %s %s" % (method, path, r.status_code, r.text[:300]))
    return r.json() if r.content else None


def wait_for(what, check, seconds=30, every=0.3):
    end = time.time() + seconds
    value = None
    while time.time() < end:
        value = check()
        if value:
            return value
        time.sleep(every)
    fail("waited %ss for %s (last: %s)" % (seconds, what, value))
