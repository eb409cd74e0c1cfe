#!/bin/sh
# /app/bin/java of the offline image: Debian's JDK 17 with the QuestDB jar as the io.questdb module.
exec /usr/lib/jvm/java-17-openjdk-amd64/bin/java \
	--module-path /app/lib/questdb.jar \
	--add-exports java.base/jdk.internal.math=io.questdb \
	"$@"
