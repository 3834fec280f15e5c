build/release/src/error.o: src/error.c include/looptrader/error.h
include/looptrader/error.h:
