build/release/src/sign.o: src/sign.c include/looptrader/sign.h \
 include/looptrader/error.h
include/looptrader/sign.h:
include/looptrader/error.h:
