import components.data


def test_x():
    assert components.data
