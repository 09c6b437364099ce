git remote add origin https://deploy-bot:ATBB84GOGzTEXAIwzIq5wC55CONWk3qA2ry1@bitbucket.org/corp/app.git
