build/release/test/unit/test_sign.o: test/unit/test_sign.c \
 include/looptrader/sign.h
include/looptrader/sign.h:
