"""Exercises: checks, hints and solutions inside the notebook; authoring and grading.

Students::

    from crmlab.exercises import lesson01 as ex
    ex.q1.check(answer)
    ex.q1.hint()
    ex.q1.solution()

Every exercise set ``crmlab/exercises/lessonNN.py`` follows one template:

- a module docstring naming the set and its notebook ``exercises/NN_topic.ipynb``;
- ``SETTINGS``, a dict of the numbers the questions use (where the notebook"s ``parameters``
  cell names one of them, it has the same value: a test checks it);
- ``load()``, the one cached data loader, returning a dict of the data the questions use;
- ``q1``, ``q2``, ... as keyword-argument :class:`Question` objects: ``qid``, ``title``,
  ``prompt`` (Markdown, written only here: ``crmlab exercises build`` copies it into the source
  notebook"s markdown cell before the question"s check), ``unit`` and ``precision`` (what the
  answer is and how precisely it must match), ``expected`` (computes the reference from the
  data), ``hints``, ``solution_code`` (runs in the notebook after its set-up cells and the
  earlier solutions, and assigns ``answer``) and ``mistakes`` (each a :class:`Mistake` with a
  ``value=`` or ``factor=`` that tests can reproduce);
- helpers for the references and mistakes, private (``_name``).

``tests/test_exercise_sets.py`` checks every set against this template: solutions correct,
references rounded to the stated precision correct and perturbed beyond it incorrect, every
mistake"s hint reached, placeholders not attempted, wrong types answered with a sentence.
"""

import lazy_loader as lazy

__getattr__, __dir__, __all__ = lazy.attach_stub(__name__, __file__)
