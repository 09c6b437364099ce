# ruff: noqa
ctx = ssl.create_default_context()
url = "https://sl.example.org/"
