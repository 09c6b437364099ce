mongoose.connect("mongodb+srv://api:bsJBqoRzhko2IjdWWh4F@cluster0.ab1cd.mongodb.net/orders?retryWrites=true");
