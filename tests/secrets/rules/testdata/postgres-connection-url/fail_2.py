# ruff: noqa
SQLALCHEMY_DATABASE_URI = "postgresql+psycopg2://app:pG7vpq5CSdAWxXomsKH1@10.1.2.3/app"
