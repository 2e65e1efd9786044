# addp-stream image for cluster mode. The GPU build swaps in ONNX Runtime's CUDA jar (-Pcuda) and
# needs CUDA 12 + cuDNN 9 from the base image; pass --build-arg PROFILE= for a CPU-only image.
FROM maven:3.9-eclipse-temurin-17 AS build
ARG PROFILE=cuda
WORKDIR /src
COPY . .
RUN mvn -B -q -DskipTests ${PROFILE:+-P$PROFILE} install

FROM nvidia/cuda:12.6.3-cudnn-runtime-ubuntu24.04
RUN apt-get update && apt-get install -y --no-install-recommends openjdk-17-jre-headless curl && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/addp
COPY --from=build /src/app/target/addp-app.jar app/target/addp-app.jar
COPY --from=build /src/app/target/lib app/target/lib
COPY --from=build /src/app/target/apicurio-registry app/target/apicurio-registry
COPY models/zoo models/zoo
# 9464: /metrics, /health, /ready of every role (metrics.http.port); 8088: status API and console
EXPOSE 9464 8088
ENTRYPOINT ["java", "-Xmx2g", "-jar", "app/target/addp-app.jar"]
