# aduan in a container: a static binary on distroless, as a non-root user,
# data in the /data volume.
#
#   docker build -t aduan .
#   docker run -d -p 8080:8080 -v aduan-data:/data \
#     -v $PWD/config.yaml:/etc/aduan/config.yaml:ro \
#     -e ADUAN_TELEGRAM_TOKEN_FILE=/run/secrets/telegram-token aduan
#
# The HTTP server listens on all addresses inside the container, so the
# console needs web.console_users in the config (aduan refuses to start
# otherwise).

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /aduan ./cmd/aduan
# The data directory, to be owned by the non-root user (distroless has no
# shell to make it there).
RUN mkdir /data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /aduan /usr/local/bin/aduan
COPY config.yaml /etc/aduan/config.yaml
COPY --from=build --chown=nonroot:nonroot /data /data
ENV ADUAN_DATA_DIR=/data \
    ADUAN_HTTP_ADDR=:8080 \
    ADUAN_LOG_FORMAT=json
VOLUME /data
EXPOSE 8080
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/aduan", "-config", "/etc/aduan/config.yaml"]
