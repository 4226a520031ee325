FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY journeymap ./journeymap
COPY maps ./maps
COPY workshops ./workshops
RUN pip install --no-cache-dir .
COPY . .
# Static files are collected at build time and served by whitenoise from daphne.
RUN DEBUG=0 SECRET_KEY=build-only python manage.py collectstatic --noinput -v0
RUN useradd --create-home journeymap && mkdir -p var && chown journeymap var
USER journeymap
EXPOSE 8000
# No --proxy-headers: daphne would take the leftmost X-Forwarded-For entry, which any client
# writes. The app reads the header itself, only from TRUSTED_PROXIES (README, "Configuration").
# The message size limit holds for what daphne sends too: 512 KiB is above every frame the app
# sends (256 KiB, docs/protocol.md "Frame sizes") and above what it accepts (32,768 characters).
CMD ["daphne", "-b", "0.0.0.0", "-p", "8000", "--websocket-max-message-size", "524288", "journeymap.asgi:application"]
