FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
ENV SQLX_OFFLINE=true
RUN cargo build --release --locked

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /src/target/release/coachline /usr/local/bin/coachline
COPY --from=build /src/static /app/static
ENV COACHLINE_BIND=0.0.0.0:8080 COACHLINE_STATIC_DIR=/app/static
EXPOSE 8080
USER nobody
CMD ["coachline", "serve"]
