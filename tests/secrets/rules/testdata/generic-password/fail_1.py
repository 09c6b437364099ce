# ruff: noqa
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "USER": "orders",
        "PASSWORD": "Vq8#zNC7r1uk8hAoSB",
    }
}
