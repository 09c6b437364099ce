# ruff: noqa
import requests

URL = "https://api.telegram.org/bot5800087478:AAwREWs00kbCm9sFhpVRmt34N2sFzmeMHHX/sendMessage"
