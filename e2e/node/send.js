// Sends a fixed set of errors, messages and a session to the DSN in
// SENTRY_DSN with the real @sentry/node SDK, then exits. The Go tests
// assert the issues this produces.
const Sentry = require("@sentry/node");

Sentry.init({
  dsn: process.env.SENTRY_DSN,
  release: "node-app@1.0.0",
  environment: "e2e",
  defaultIntegrations: false,
  integrations: [],
  autoSessionTracking: false,
});

class LookupError extends Error {
  constructor(msg) {
    super(msg);
    this.name = "LookupError";
  }
}

function findUser(id) {
  throw new LookupError("user " + id + " not found");
}

function parseConfig() {
  return JSON.parse("{not json");
}

function capture(fn, scope) {
  try {
    fn();
  } catch (e) {
    Sentry.captureException(e, scope);
  }
}

async function main() {
  Sentry.setUser({ id: "u-1", email: "one@example.com" });
  Sentry.setTag("side", "server");
  capture(() => findUser(42));
  Sentry.setUser({ id: "u-2" });
  capture(() => findUser(43));
  capture(() => parseConfig());
  Sentry.captureMessage("Payment 1234 failed for order 77", "warning");
  Sentry.captureMessage("Payment 5678 failed for order 99", "warning");
  capture(() => findUser(1), { fingerprint: ["node-custom-group"] });
  capture(() => parseConfig(), { fingerprint: ["node-custom-group"] });
  Sentry.startSession();
  Sentry.captureSession();
  Sentry.endSession();
  await Sentry.flush(5000);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
