EasyPost::Client.new(api_key: ENV["EASYPOST_API_KEY"])
