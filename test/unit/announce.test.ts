import { cvmLabel, describeCreate, describeDelete, type LifecycleFacts } from "../../provider/core/announce";

const two: LifecycleFacts = {
  cvms: [
    { form: "cvm_a", id: "cvm_a", index: 0 },
    { form: "api-b-node ", id: "cvm_b", index: 1 },
  ],
  maxUnavailable: 1,
  adopt: false,
  retainOnRemove: false,
};

describe("what a create and a delete will do, in words", () => {
  test("a CVM is named by its resolved id and the form as typed; a secret id only by its position", () => {
    expect(cvmLabel({ form: "cvm_a", id: "cvm_a", index: 0 })).toBe("cvm_a");
    expect(cvmLabel({ form: " api-b-node ", id: "cvm_b", index: 1 })).toBe("cvm_b (api-b-node)");
    expect(cvmLabel({ form: "api-c-node", index: 2 })).toBe("api-c-node");
    expect(cvmLabel({ form: "cvm_secret_0001", id: "cvm_secret_0001", index: 3, secret: true })).toBe(
      "cvms[3]",
    );
    const secret = describeCreate({
      ...two,
      cvms: [{ form: "cvm_secret_0001", id: "cvm_secret_0001", index: 0, secret: true }],
    });
    expect(secret).toContain("cvms[0]");
    expect(secret).not.toContain("cvm_secret_0001");
  });

  test("a create names every CVM, the pace, adopt and what a later delete does", () => {
    expect(describeCreate(two)).toBe(
      "will push the env to cvm_a, cvm_b (api-b-node) and restart them, 1 at a time; " +
        "a CVM that carries an env pushed by anything but this resource (or the one it replaces) is refused (adopt is not set); " +
        "deleting this resource later clears their env (retainOnRemove is not set)",
    );
    const one = describeCreate({ ...two, cvms: [two.cvms![0]!], adopt: true, retainOnRemove: true });
    expect(one).toBe(
      "will push the env to cvm_a and restart it; " +
        "adopt: a CVM that carries an env this resource did not push is taken over (overwritten); " +
        "deleting this resource later leaves its env (retainOnRemove)",
    );
  });

  test("settings not known until apply are said to be so, never guessed", () => {
    const text = describeCreate({
      cvms: undefined,
      maxUnavailable: "unknown",
      adopt: "unknown",
      retainOnRemove: "unknown",
    });
    expect(text).toContain("the CVMs in cvms (known only at apply)");
    expect(text).toContain("rollout.maxUnavailable at a time (known only at apply)");
    expect(text).toContain("is refused unless adopt (known only at apply) is set");
    expect(text).toContain("clears their env unless retainOnRemove (known only at apply) is set");
  });

  test("a delete says per CVM that it clears only what still runs this resource's push, or keeps it with retainOnRemove", () => {
    const clears =
      "clears its env and restarts it (1 at a time) if it still runs this resource's push, else leaves it alone";
    expect(describeDelete({ cvms: two.cvms!, maxUnavailable: 1, retainOnRemove: false })).toEqual({
      cvm_a: clears,
      "cvm_b (api-b-node)": clears,
    });
    expect(describeDelete({ cvms: two.cvms!, maxUnavailable: 1, retainOnRemove: true })).toEqual({
      cvm_a: "keeps its env (retainOnRemove); no restart",
      "cvm_b (api-b-node)": "keeps its env (retainOnRemove); no restart",
    });
    expect(
      describeDelete({
        cvms: [{ ...two.cvms![1]!, secret: true }],
        maxUnavailable: 1,
        retainOnRemove: false,
      }),
    ).toEqual({
      "cvms[1]": "clears its env and restarts it if it still runs this resource's push, else leaves it alone",
    });
    // The engine's diff display cuts a string after 150 characters.
    const many = Array.from({ length: 3 }, (_, index) => ({
      form: `node-${index}`,
      id: `cvm_${index}`,
      index,
    }));
    for (const text of Object.values(
      describeDelete({ cvms: many, maxUnavailable: 1000, retainOnRemove: false }),
    ))
      expect(text.length).toBeLessThanOrEqual(150);
  });
});
