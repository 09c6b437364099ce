jf config add corp --url https://corp.jfrog.io --access-token "$JF_TOKEN"
