# ruff: noqa
import gitlab

gl = gitlab.Gitlab("https://gitlab.corp", private_token="glpat-P7rQU9O_MPpFfT1S_vnjT_try0I.01.fpdbyflrh")
