# syntax=docker/dockerfile:1
# coachline in a small image: the release binary (templates, static files and migrations are
# compiled into it) on Debian slim, running as an unprivileged user.
#   docker build -t coachline .

FROM rust:1-bookworm AS build
WORKDIR /src
ENV SQLX_OFFLINE=true CARGO_TERM_COLOR=never
COPY Cargo.toml Cargo.lock ./
COPY .sqlx .sqlx
COPY migrations migrations
COPY templates templates
COPY static static
COPY src src
# The caches keep crates and compiled dependencies between builds on the same machine.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin coachline \
    && cp target/release/coachline /coachline

FROM debian:bookworm-slim
RUN groupadd --system --gid 10001 coachline \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin coachline
COPY --from=build /coachline /usr/local/bin/coachline
USER 10001:10001
ENV COACHLINE_BIND=0.0.0.0:8080 \
    COACHLINE_LOG_FORMAT=json
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["coachline", "healthcheck"]
CMD ["coachline", "serve"]
