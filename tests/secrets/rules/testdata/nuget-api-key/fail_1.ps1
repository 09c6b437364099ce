dotnet nuget push ./out/Corp.Core.1.4.0.nupkg --api-key oy2gfjktyw0bjxn60rhoxjb6i4sx6qeikchsb8uy7n4v9t --source https://api.nuget.org/v3/index.json
