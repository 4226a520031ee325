FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY journeymap ./journeymap
COPY maps ./maps
COPY workshops ./workshops
RUN pip install --no-cache-dir .
COPY . .
# Static files are collected at build time and served by whitenoise from the app.
RUN DEBUG=0 SECRET_KEY=build-only python manage.py collectstatic --noinput -v0
RUN useradd --create-home journeymap && mkdir -p var && chown journeymap var
USER journeymap
EXPOSE 8000
# uvicorn (with uvloop, httptools and websockets' sans-I/O protocol) serves the same sockets for
# less CPU than daphne: about 35 µs per delivered frame against 60, and the moves of 20 busy
# rooms took half to two thirds of daphne's CPU (bench/capacity.py; docs/benchmarks.md,
# "Capacity"). scripts/serve keeps daphne.
# --no-proxy-headers: uvicorn would take X-Forwarded-For from its --forwarded-allow-ips; the app
# reads the header itself, only from TRUSTED_PROXIES (README, "Configuration").
# --ws-max-size: frames a client sends are bounded at 512 KiB, above what the app accepts
# (32,768 characters: `too_large`) and what it sends (256 KiB, docs/protocol.md "Frame sizes");
# a longer one closes the socket with 1009 (message too big), not a dropped connection.
# --ws-per-message-deflate false: compressing costs CPU per socket for each frame, where the
# app encodes a frame once for a whole room.
CMD ["uvicorn", "--host", "0.0.0.0", "--port", "8000", "--ws", "websockets-sansio", "--ws-max-size", "524288", "--ws-per-message-deflate", "false", "--no-proxy-headers", "--lifespan", "off", "journeymap.asgi:application"]
