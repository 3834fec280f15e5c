build/release/src/log.o: src/log.c include/looptrader/log.h \
 include/looptrader/error.h
include/looptrader/log.h:
include/looptrader/error.h:
