"""Sends a fixed set of errors, messages and a session to the DSN in
SENTRY_DSN with the real sentry_sdk (Debian's python3-sentry-sdk, whose
errors go to the legacy /store/ endpoint), then exits. The Go tests
assert the issues this produces."""
import os

import sentry_sdk


class LookupFailed(Exception):
    pass


def find_user(user_id):
    password = "hunter2"  # noqa: F841 (a local the server must scrub)
    raise LookupFailed("user %d not found" % user_id)


def parse_config():
    return int("not a number")


def capture(fn, fingerprint=None):
    try:
        fn()
    except Exception as e:
        with sentry_sdk.push_scope() as scope:
            if fingerprint:
                scope.fingerprint = fingerprint
            sentry_sdk.capture_exception(e)


def main():
    sentry_sdk.init(
        dsn=os.environ["SENTRY_DSN"],
        release="py-app@1.0.0",
        environment="e2e",
        default_integrations=False,
        auto_session_tracking=False,
        send_default_pii=True,
    )
    sentry_sdk.set_user({"id": "u-1", "email": "one@example.com"})
    sentry_sdk.set_tag("side", "server")
    capture(lambda: find_user(42))
    sentry_sdk.set_user({"id": "u-2"})
    capture(lambda: find_user(43))
    capture(parse_config)
    sentry_sdk.capture_message("Payment 1234 failed for order 77", level="warning")
    sentry_sdk.capture_message("Payment 5678 failed for order 99", level="warning")
    capture(lambda: find_user(1), fingerprint=["py-custom-group"])
    capture(parse_config, fingerprint=["py-custom-group"])
    hub = sentry_sdk.Hub.current
    hub.start_session()
    hub.end_session()
    sentry_sdk.flush(5)


if __name__ == "__main__":
    main()
