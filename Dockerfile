# One image for every PARAYOK service; docker-compose.yml picks the module per container.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PARAYOK_DATA_DIR=/data
WORKDIR /app
COPY pyproject.toml README.md ./
COPY proto ./proto
COPY parayok ./parayok
COPY candle_service ./candle_service
COPY analysis_service ./analysis_service
COPY order_service ./order_service
COPY broker_service ./broker_service
COPY notify_service ./notify_service
COPY web_bridge ./web_bridge
COPY exchange_sim ./exchange_sim
RUN pip install --no-cache-dir . && mkdir -p /data
VOLUME ["/data"]
CMD ["python", "-m", "parayok", "up"]
