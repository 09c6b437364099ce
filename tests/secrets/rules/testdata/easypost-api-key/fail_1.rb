EasyPost::Client.new(api_key: "EZAKKaiJ4WKaYVcyAMo8H34iGwpEjISuUlLuJFkrsofYtwxdXwl63g5Ssi")
