build/release/src/money.o: src/money.c include/looptrader/money.h \
 include/looptrader/error.h
include/looptrader/money.h:
include/looptrader/error.h:
