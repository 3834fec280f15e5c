build/release/test/unit/test_money.o: test/unit/test_money.c \
 include/looptrader/error.h include/looptrader/money.h \
 include/looptrader/strbuf.h
include/looptrader/error.h:
include/looptrader/money.h:
include/looptrader/strbuf.h:
