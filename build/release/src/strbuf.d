build/release/src/strbuf.o: src/strbuf.c include/looptrader/strbuf.h \
 include/looptrader/error.h
include/looptrader/strbuf.h:
include/looptrader/error.h:
