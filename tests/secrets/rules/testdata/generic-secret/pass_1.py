# ruff: noqa
SECRET_KEY = os.environ.get("SECRET_KEY")
client_secret = settings.GITHUB_CLIENT_SECRET
