# Build a static binary (no cgo: SQLite is modernc's pure-Go port).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X github.com/bitwobbly/bitwobbly/app.Version=${VERSION}" \
    -o /out/bitwobbly . && mkdir -p /out/data

# Distroless static image: CA certificates and tzdata included, runs as
# the unprivileged "nonroot" user (uid 65532).
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/bitwobbly /usr/local/bin/bitwobbly
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
ENV BITWOBBLY_DATA=/data BITWOBBLY_ADDR=:8080
VOLUME ["/data"]
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/bitwobbly"]
CMD ["serve"]
