package sim

func (n *node) newDriver() (driver, error) { return nil, errNotImplemented }
