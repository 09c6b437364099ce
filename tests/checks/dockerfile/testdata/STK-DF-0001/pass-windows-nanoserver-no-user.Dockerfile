FROM mcr.microsoft.com/powershell:lts-nanoserver-ltsc2022@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
CMD ["pwsh"]
