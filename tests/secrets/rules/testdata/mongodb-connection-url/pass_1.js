mongoose.connect(`mongodb+srv://${user}:${pass}@cluster0.ab1cd.mongodb.net/orders`);
mongoose.connect("mongodb://localhost:27017/test");
