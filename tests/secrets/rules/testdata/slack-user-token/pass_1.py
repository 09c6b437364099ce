# ruff: noqa
client = WebClient(token="xoxp-834628484446-760365294212")
