# ruff: noqa
TWILIO_AUTH_TOKEN = os.environ["TWILIO_AUTH_TOKEN"]
