# ruff: noqa
token = "ATATT3VxiLcPWLPjr6bPZfJFldREzfZ7vGgsaG6cHUcvP2"
