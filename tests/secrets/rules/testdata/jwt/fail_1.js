const client = axios.create({
  baseURL: "https://orders.corp.internal",
  headers: { "X-Session": "eyJhbGciOiJSUzI1NiIsImtpZCI6ImZwNmpzOXprYXg4YiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJodHRwczovL2F1dGguaW50ZXJuYWwuY29ycCIsInN1YiI6IjFjYzViNG02dTEiLCJleHAiOjE5MDAwMDAwMDB9.sMoAmjB2ZaZ9GygDNKtbFOSnoaTUb7dpFQRvZhWnFwNcLu3jTmYVEzlZg6l5bI3No-k9uwjN-w62tkRIclqkru" },
});
