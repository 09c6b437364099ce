var cfg = Config{
	User:     "svc",
	Password: "n0t-cGqER410CQzv",
}
