const config = {
  apiKey: "oHkGbTg9h1BS2k0kIZxXA588UQa7SlaB",
  endpoint: "https://api.vendor.example.net",
};
