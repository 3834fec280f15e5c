/*
 * loopback.h - a listening TCP socket on 127.0.0.1 at a free port, for the
 * unit tests that run a small server thread (include after cmocka.h).
 */
#ifndef LOOPTRADER_TEST_LOOPBACK_H
#define LOOPTRADER_TEST_LOOPBACK_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

/* The listening socket; its port in *port.  Fails the test when it cannot. */
static inline int loopback_listen(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t len = sizeof a;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    *port = ntohs(a.sin_port);
    assert_int_equal(listen(fd, 8), 0);
    return fd;
}

#endif
