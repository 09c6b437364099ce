# ruff: noqa
from twilio.rest import Client

TWILIO_ACCOUNT_SID = "AC217b36a772bb69afa3f0193416971eb7"
TWILIO_AUTH_TOKEN = "c3de798253963c033fcf21c060d408b2"
