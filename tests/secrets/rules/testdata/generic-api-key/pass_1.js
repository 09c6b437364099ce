const config = { apiKey: process.env.VENDOR_API_KEY };
const docs = { apiKey: "YOUR_API_KEY_HERE" };
