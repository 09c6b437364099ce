FROM alpine:3.20
WORKDIR /srv/app
WORKDIR "/opt/my app"
WORKDIR $HOME/app
WORKDIR ${APP_DIR}
FROM mcr.microsoft.com/windows/servercore:ltsc2022
WORKDIR C:\\app
