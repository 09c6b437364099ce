dotnet nuget push ./out/*.nupkg --api-key $env:NUGET_KEY
