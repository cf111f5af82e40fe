"""The log-scrubbing check finds each kind of secret it gathers, where it is,
and never prints the secret itself."""

import contextlib
import io
import os
import sys
import unittest
from unittest import mock

sys.path.insert(0, os.path.dirname(__file__))
import scrub_logs as scrub  # noqa: E402

TOKEN = "act.0f3c9a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f"
VERIFIER = "Vx9_" + "k" * 60
KEY = "MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI="
CAPTION = "Sunday brunch in Lisbon #food"
API_KEY = "tk_abcdefghij23_" + "Q" * 43

CREDENTIALS = {"access_token": [TOKEN], "pkce_verifier": [VERIFIER], "refresh_token": []}
APP_SECRETS = [{"client_key": "sbx", "client_secret": "c0ffee" * 8, "current_key_id": "k1", "keys": {"k1": KEY}}]
ITEMS = [
    {"PK": "TENANT#t", "settings": {"caption": CAPTION, "description": None}},
    {"PK": "TENANT#t", "settings": {"caption": "short"}},
]


def secrets():
    return scrub.secrets_from(CREDENTIALS, APP_SECRETS, ITEMS)


class Gathering(unittest.TestCase):
    def test_every_kind_is_gathered_and_short_texts_are_left_out(self):
        kinds = {kind for kind, _ in secrets()}
        self.assertEqual(kinds, {"access token", "pkce verifier", "client secret", "token key k1", "caption"})
        self.assertNotIn(("caption", "short"), secrets())

    def test_texts_are_found_at_any_depth(self):
        item = {"history": [{"note": {"title": "a photo title here"}}], "caption": "top level caption"}
        self.assertEqual(sorted(scrub.texts_of(item)), ["a photo title here", "top level caption"])


class Scanning(unittest.TestCase):
    def test_a_clean_log_has_no_finding(self):
        log = '{"level":"INFO","fields":{"message":"post published","post":"01J"}}\n' * 3
        self.assertEqual(scrub.scan([("watch.log", log)], secrets()), [])

    def test_each_planted_secret_is_found_on_its_line(self):
        for kind, value in [("access token", TOKEN), ("pkce verifier", VERIFIER), ("token key k1", KEY),
                            ("caption", CAPTION), ("client secret", "c0ffee" * 8)]:
            log = "first line\n" + f'{{"message":"oops","value":"{value}"}}\n' + "last line\n"
            self.assertEqual(scrub.scan([("watch.log", log)], secrets()), [("watch.log", 2, kind)], kind)

    def test_a_whole_api_key_is_found_by_its_shape_but_its_prefix_alone_is_not(self):
        log = f"key {API_KEY}\nprefix abcdefghij23 only\n"
        self.assertEqual(scrub.scan([("api.log", log)], []), [("api.log", 1, "API key")])

    def test_the_report_names_file_line_and_kind_never_the_secret(self):
        logs = os.path.join(os.path.dirname(__file__), "..", "..", ".local", "scrub-test.log")
        os.makedirs(os.path.dirname(logs), exist_ok=True)
        with open(logs, "w", encoding="utf-8") as f:
            f.write(f"ok\nleaked {TOKEN}\n")
        env = {"TIKTOK_SANDBOX_URL": "http://sandbox"}
        out, err = io.StringIO(), io.StringIO()
        try:
            with mock.patch.object(scrub, "read_env", return_value=env), \
                 mock.patch.object(scrub, "fetch_json", return_value={"credentials": CREDENTIALS}), \
                 mock.patch.object(scrub, "app_secrets", return_value=iter(APP_SECRETS)), \
                 mock.patch.object(scrub, "table_items", return_value=iter(ITEMS)), \
                 contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = scrub.main(["--env-file", "unused", logs])
        finally:
            os.remove(logs)
        self.assertEqual(code, 1)
        self.assertIn(":2: access token in a log line", err.getvalue())
        self.assertNotIn(TOKEN, out.getvalue() + err.getvalue())

    def test_a_run_that_handled_no_token_proves_nothing(self):
        out, err = io.StringIO(), io.StringIO()
        with mock.patch.object(scrub, "read_env", return_value={"TIKTOK_SANDBOX_URL": "http://sandbox"}), \
             mock.patch.object(scrub, "fetch_json", return_value={"credentials": {}}), \
             mock.patch.object(scrub, "app_secrets", return_value=iter([])), \
             mock.patch.object(scrub, "table_items", return_value=iter([])), \
             contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            self.assertEqual(scrub.main(["--env-file", "unused"] + ["/nonexistent.log"]), 2)
            self.assertEqual(scrub.main(["--env-file", "unused", "--allow-empty", "/nonexistent.log"]), 0)


if __name__ == "__main__":
    unittest.main()
