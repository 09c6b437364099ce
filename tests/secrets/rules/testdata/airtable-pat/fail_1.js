const base = new Airtable({ apiKey: "patFXh9ejkjyBC7TB.99a8e3cb6cb499b804e4f8d7d8faf71a86ccde6719c4b6cb1b72f7be7afb359f" }).base("appgi7gNa8JPZGvkE");
