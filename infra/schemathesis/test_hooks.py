"""The schemathesis hooks' own checks (run by infra/schemathesis/run.sh)."""

import pathlib
import re
import unittest

import hooks

ROOT = pathlib.Path(__file__).resolve().parents[2]


class SecurityHeaders(unittest.TestCase):
    def test_the_list_is_the_rust_surface_list(self):
        source = (ROOT / "shared/src/http_surface.rs").read_text()
        block = source.split("pub const SECURITY_HEADERS", 1)[1].split("];", 1)[0]
        rust = dict(re.findall(r'\("([a-z-]+)",\s*"((?:[^"\\]|\\.)*)"\)', block))
        self.assertEqual(set(rust), set(hooks.SECURITY_HEADERS))
        for name, value in hooks.SECURITY_HEADERS.items():
            if value is not None:
                self.assertEqual(rust[name], value, name)

    def test_complete_headers_pass_and_each_missing_or_wrong_one_is_named(self):
        good = {name: [value or "no-store"] for name, value in hooks.SECURITY_HEADERS.items()}
        good["x-request-id"] = ["req-1"]
        self.assertEqual(hooks.missing_surface_headers(good), [])
        for name in good:
            without = {k: v for k, v in good.items() if k != name}
            self.assertEqual(hooks.missing_surface_headers(without), [name])
        wrong = dict(good, **{"x-frame-options": ["SAMEORIGIN"]})
        self.assertEqual(hooks.missing_surface_headers(wrong), ["x-frame-options"])


if __name__ == "__main__":
    unittest.main()
