# ruff: noqa
headers = {"Authorization": "Basic " + b64encode(f"{user}:{pw}".encode()).decode()}
